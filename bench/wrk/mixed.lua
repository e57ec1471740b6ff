-- The mixed profile: each request is, at random, a first feed page, a view, a reaction or a new
-- story, by a random user of TOKENS_FILE (first CALLERS) on a random story of STORIES_FILE.
-- Used by bench/throughput.sh and bench/soak.sh (which records with RECORD_DIR, see common.lua), so everything is an env var:
--   MIX_FEED=70 MIX_VIEW=15 MIX_REACT=10 MIX_CREATE=5   relative weights (any positive numbers)
--   TOKENS_FILE, CALLERS, STORIES_FILE                     see common.lua
-- STORIES_FILE should hold stories that every token's user may see and did not write (public,
-- by other users, not expiring during the run), or views and reactions answer 404/403 — errors.
-- Success: 200 feed, 204 view, 201 reaction or story; anything else is an error.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
common.success = { [200] = true, [201] = true, [204] = true }

local emoji = { "👍", "❤️", "😂", "😮", "😢", "🔥" }

local function weight(name, default)
  return tonumber(os.getenv(name) or "") or default
end

function init(args)
  tokens = common.tokens()
  stories = common.stories()
  math.randomseed(os.time() * 100 + thread_id)
  local feed, view, react, create = weight("MIX_FEED", 70), weight("MIX_VIEW", 15), weight("MIX_REACT", 10), weight("MIX_CREATE", 5)
  local total = feed + view + react + create
  -- Cumulative thresholds in [0, 1).
  cut_feed, cut_view, cut_react = feed / total, (feed + view) / total, (feed + view + react) / total
  n = 0
end

function request()
  n = n + 1
  local token = tokens[math.random(#tokens)]
  local roll = math.random()
  if roll < cut_feed then
    return wrk.format("GET", "/feed?limit=20", { Authorization = token })
  end
  local story = stories[math.random(#stories)]
  if roll < cut_view then
    return wrk.format("POST", "/stories/" .. story .. "/view", { Authorization = token })
  end
  local json = { Authorization = token, ["Content-Type"] = "application/json" }
  if roll < cut_react then
    return wrk.format("POST", "/stories/" .. story .. "/reactions", json,
      '{"emoji":"' .. emoji[math.random(#emoji)] .. '"}')
  end
  return wrk.format("POST", "/stories", json,
    '{"text":"mixed profile story ' .. thread_id .. "-" .. n .. '","visibility":"public"}')
end
