-- GET /feed?limit=20 (a first page) by the first CALLERS users of TOKENS_FILE, each thread walking
-- its own slice in order. Whether this is the warm or the cold cache is the caller's choice:
-- few users (each page requested again within the cache's TTL) is warm; more users than the run
-- makes requests, after the cache keys were deleted, is cold. See docs/benchmarks.md.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
common.get_in_turn("/feed?limit=20")
