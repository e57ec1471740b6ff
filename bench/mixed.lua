-- The mixed profile of issue 9, for wrk: of every 20 requests, 14 GET /feed, 3 POST
-- /stories/{id}/view, 2 POST /stories/{id}/reactions and 1 POST /stories (70/15/10/5 %), each as
-- one of several users in turn. Used by `make soak` (bench/soak.sh); reusable on its own:
--
--   MIXED_TOKENS="$t1 $t2 …" wrk -t2 -c50 -d30s -s bench/mixed.lua http://127.0.0.1:5080
--
-- Environment:
--   MIXED_TOKENS      bearer tokens, space-separated, one per user (required)
--   MIXED_USER_IDS    the same users' ids, in the same order (optional): reactions then never hit
--                     the reactor's own story, which answers 403
--   MIXED_STORY_IDS   stories to view and react to, space-separated, each `id` or `id:author_id`
--                     (optional; every story the run creates joins them — the last 500 are kept)
--   MIXED_VISIBILITY  visibilities the created stories cycle through (default "public friends";
--                     friends stories are only visible if the users follow each other)
--   MIXED_OUT_DIR     optional directory: each thread appends the id of every story answered 201 to
--                     created-<thread>.txt as it comes (so a lost write can be looked up by id), and
--                     done() writes statuses.tsv: `epoch_second<TAB>status<TAB>count`, every answer
--
-- wrk does not say which request an answer belongs to (a thread's connections interleave), so
-- answers are told apart by status and body: 200 with "items" a feed page, 204 a view, 201 with
-- "emoji" a reaction, 201 with "visibility" a created story.

local threads = {}
local profile = {
  "feed", "feed", "view", "feed", "feed", "react", "feed", "feed", "view", "feed",
  "feed", "create", "feed", "feed", "view", "feed", "feed", "react", "feed", "feed",
}
-- The six allowed emoji as JSON escapes, so that this file stays ASCII.
local emoji = {
  [[\ud83d\udc4d]], [[\u2764\ufe0f]], [[\ud83d\ude02]], [[\ud83d\ude2e]], [[\ud83d\ude22]], [[\ud83d\udd25]],
}
local pool_size = 500

local function words(s)
  local list = {}
  for word in string.gmatch(s or "", "%S+") do
    table.insert(list, word)
  end
  return list
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  tokens = {}
  for i, token in ipairs(words(os.getenv("MIXED_TOKENS"))) do
    tokens[i] = "Bearer " .. token
  end
  if #tokens == 0 then
    error("MIXED_TOKENS is empty: give one or more bearer tokens, space-separated")
  end
  user_ids = words(os.getenv("MIXED_USER_IDS"))
  visibilities = words(os.getenv("MIXED_VISIBILITY") or "public friends")
  pool, pool_next = {}, 1
  for _, entry in ipairs(words(os.getenv("MIXED_STORY_IDS"))) do
    local id, author = string.match(entry, "^([^:]+):?(.*)$")
    table.insert(pool, { id = id, author = author })
  end
  math.randomseed(os.time() + thread_number * 7919)
  n = thread_number * 7  -- threads start at different points of the profile
  feeds, views, reactions, created, other = 0, 0, 0, 0, 0
  counts = {}
  local out = os.getenv("MIXED_OUT_DIR")
  if out and out ~= "" then
    created_file = assert(io.open(out .. "/created-" .. thread_number .. ".txt", "a"))
    created_file:setvbuf("line")
  end
end

local function remember(id, author)
  if #pool < pool_size then
    table.insert(pool, { id = id, author = author })
  else
    pool[pool_next] = { id = id, author = author }
    pool_next = pool_next % pool_size + 1
  end
end

-- A user other than the story's author, when the authors are known.
local function reactor_for(story)
  if #user_ids == #tokens and #tokens > 1 and story.author ~= "" then
    for _ = 1, 8 do
      local u = math.random(#tokens)
      if user_ids[u] ~= story.author then
        return tokens[u]
      end
    end
  end
  return tokens[math.random(#tokens)]
end

function request()
  n = n + 1
  local kind = profile[n % #profile + 1]
  local user = tokens[n % #tokens + 1]
  if (kind == "view" or kind == "react") and #pool == 0 then
    kind = "create"
  end
  if kind == "feed" then
    return wrk.format("GET", "/feed", { Authorization = user }, nil)
  elseif kind == "view" then
    local story = pool[math.random(#pool)]
    return wrk.format("POST", "/stories/" .. story.id .. "/view", { Authorization = user }, nil)
  elseif kind == "react" then
    local story = pool[math.random(#pool)]
    return wrk.format("POST", "/stories/" .. story.id .. "/reactions",
      { Authorization = reactor_for(story), ["Content-Type"] = "application/json" },
      '{"emoji":"' .. emoji[math.random(#emoji)] .. '"}')
  end
  local visibility = visibilities[n % #visibilities + 1]
  return wrk.format("POST", "/stories", { Authorization = user, ["Content-Type"] = "application/json" },
    '{"text":"mixed profile story ' .. n .. '","visibility":"' .. visibility .. '"}')
end

function response(status, headers, body)
  local key = os.time() .. "\t" .. status
  counts[key] = (counts[key] or 0) + 1
  if status == 200 and string.find(body, '"items"', 1, true) then
    feeds = feeds + 1
  elseif status == 204 then
    views = views + 1
  elseif status == 201 and string.find(body, '"emoji"', 1, true) then
    reactions = reactions + 1
  elseif status == 201 and string.find(body, '"visibility"', 1, true) then
    created = created + 1
    local id = string.match(body, '^{%s*"id"%s*:%s*"([^"]+)"')
    local author = string.match(body, '"author"%s*:%s*{%s*"id"%s*:%s*"([^"]+)"') or ""
    if id then
      remember(id, author)
      if created_file then
        created_file:write(id, "\n")
      end
    end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local by_status, all = {}, {}
  local f, v, r, c, o = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("feeds"); v = v + t:get("views"); r = r + t:get("reactions")
    c = c + t:get("created"); o = o + t:get("other")
    for key, count in pairs(t:get("counts")) do
      all[key] = (all[key] or 0) + count
      local status = string.match(key, "\t(%d+)$")
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("mixed: %d answers in %.0f s (%.0f/s): %d feed pages, %d views, %d reactions, %d stories created, %d other\n",
    summary.requests, seconds, summary.requests / seconds, f, v, r, c, o))
  io.write(string.format("mixed latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  local statuses = {}
  for status in pairs(by_status) do
    table.insert(statuses, status)
  end
  table.sort(statuses)
  for _, status in ipairs(statuses) do
    io.write(string.format("status_%s=%d\n", status, by_status[status]))
  end
  local e = summary.errors
  io.write(string.format("socket_errors=connect %d, read %d, write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
  local out = os.getenv("MIXED_OUT_DIR")
  if out and out ~= "" then
    local file = assert(io.open(out .. "/statuses.tsv", "w"))
    for key, count in pairs(all) do
      file:write(key, "\t", count, "\n")
    end
    file:close()
  end
end
