-- POST /stories/{id}/view: a random user of TOKENS_FILE views a random public story of
-- STORIES_FILE. With thousands of users and stories almost every pair is new, so nearly every
-- request records a view (insert, event, recent-views record); a repeat is the idempotent 204 too.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
common.success = { [204] = true }

function init(args)
  tokens = common.tokens()
  stories = common.stories()
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  return wrk.format("POST", "/stories/" .. stories[math.random(#stories)] .. "/view",
    { Authorization = tokens[math.random(#tokens)] })
end
