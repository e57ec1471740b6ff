-- The bare-Kestrel ceiling (bench/Ceiling): GET / with a bearer token from TOKENS_FILE, which the
-- ceiling ignores. The token is there so that wrk does the same per-request work as in the API
-- scenarios (a Lua-built request of the same size), and the ratio compares servers, not clients.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
common.get_in_turn("/")
