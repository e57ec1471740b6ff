-- Shared by the wrk scripts in this folder (wrk 4, LuaJIT): loading token and story-id files,
-- giving each wrk thread its own slice of users, counting answers by status, and a done() that
-- prints one machine-readable RESULT line that bench/throughput.sh turns into a table row.
--
-- A scenario script starts with
--   local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
-- and sets `common.success` to the statuses that count as success (anything else is an error).
--
-- Environment (all optional unless a scenario needs it):
--   TOKENS_FILE   one bearer token a line (bench tokens … --out FILE)
--   STORIES_FILE  one story id a line
--   CALLERS       use only the first N tokens of TOKENS_FILE (default: all)
--   WRK_THREADS   the -t given to wrk, so threads take disjoint slices of users (default 1)
--   RECORD_DIR    a directory to record into (bench/soak.sh): each thread appends the id of every
--                 story answered 201 to created-<thread>.txt as it comes (so a lost write can be
--                 looked up by id), and done() writes statuses.tsv, every answer counted by
--                 `epoch_second<TAB>status<TAB>count` (so a 5xx can be placed in time)
local common = { success = { [200] = true } }
local record_dir = os.getenv("RECORD_DIR")
if record_dir == "" then record_dir = nil end

local threads = {}

function common.lines(path, limit)
  local items = {}
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      items[#items + 1] = line
      if limit and #items >= limit then break end
    end
  end
  file:close()
  assert(#items > 0, path .. " is empty")
  return items
end

function common.tokens()
  local path = os.getenv("TOKENS_FILE")
  assert(path, "TOKENS_FILE is not set")
  local tokens = common.lines(path, tonumber(os.getenv("CALLERS") or ""))
  for i, token in ipairs(tokens) do tokens[i] = "Bearer " .. token end
  return tokens
end

function common.stories()
  local path = os.getenv("STORIES_FILE")
  assert(path, "STORIES_FILE is not set")
  return common.lines(path)
end

-- Walks 1..n in steps of the thread count, starting at this thread's number: until they wrap
-- around, threads never share an index, and an index comes back only after all n were used (what
-- keeps a cold cache cold).
function common.walker(n)
  local step = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = (thread_id or 1) - step
  return function()
    i = i + step
    return ((i - 1) % n) + 1
  end
end

-- Makes the scenario a GET of `path` by each user of TOKENS_FILE in turn (see walker): the
-- ceiling's request and the feed's.
function common.get_in_turn(path)
  function init(args)
    tokens = common.tokens()
    next_user = common.walker(#tokens)
  end

  function request()
    return wrk.format("GET", path, { Authorization = tokens[next_user()] })
  end
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

statuses = {}
per_second = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if record_dir then
    local key = os.time() .. "\t" .. status
    per_second[key] = (per_second[key] or 0) + 1
    -- A created story's answer is the story, whose first field is its id (a reaction's has "emoji").
    if status == 201 and string.find(body, '"visibility"', 1, true) then
      local id = string.match(body, '^{%s*"id"%s*:%s*"([^"]+)"')
      if id then
        if not created_file then
          created_file = assert(io.open(record_dir .. "/created-" .. thread_id .. ".txt", "a"))
          created_file:setvbuf("line")
        end
        created_file:write(id, "\n")
      end
    end
  end
  if common.on_response then common.on_response(status, body) end
end

function done(summary, latency, requests)
  local total, failed, counts = 0, 0, {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local keys = {}
  for status, n in pairs(counts) do
    keys[#keys + 1] = status
    total = total + n
    if not common.success[status] then failed = failed + n end
  end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do parts[#parts + 1] = status .. ":" .. counts[status] end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  -- Socket errors and timeouts are errors too: a client saw no answer.
  io.write(string.format(
    "RESULT answered=%d seconds=%.2f rps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f failed=%d socket=%d timeouts=%d statuses=%s\n",
    total, seconds, total / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed, e.connect + e.read + e.write, e.timeout, table.concat(parts, ",")))
  if record_dir then
    local all = {}
    for _, t in ipairs(threads) do
      for key, n in pairs(t:get("per_second")) do all[key] = (all[key] or 0) + n end
    end
    local file = assert(io.open(record_dir .. "/statuses.tsv", "w"))
    for key, n in pairs(all) do file:write(key, "\t", n, "\n") end
    file:close()
  end
end

return common
