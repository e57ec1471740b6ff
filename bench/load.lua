-- make load: alternates POST /stories (author) and POST /stories/{id}/view (viewer) on the story
-- the thread created last. Answers are classified by status alone — a thread's connections
-- interleave, so which request an answer belongs to is not tracked: 201 is a created story, 204 a
-- recorded view. done() prints the totals.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  author = "Bearer " .. os.getenv("LOAD_AUTHOR_TOKEN")
  viewer = "Bearer " .. os.getenv("LOAD_VIEWER_TOKEN")
  created, viewed, other, last_id, n = 0, 0, 0, nil, 0
end

function request()
  n = n + 1
  if last_id ~= nil and n % 2 == 0 then
    return wrk.format("POST", "/stories/" .. last_id .. "/view", { Authorization = viewer }, nil)
  end
  return wrk.format("POST", "/stories", { Authorization = author, ["Content-Type"] = "application/json" },
    '{"text":"load test story ' .. n .. '","visibility":"public"}')
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    last_id = string.match(body, '"id":"([^"]+)"')
  elseif status == 204 then
    viewed = viewed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, v, o = 0, 0, 0
  -- non-2xx answers, by status, so a failure mode is visible in the output

  for _, t in ipairs(threads) do
    c = c + t:get("created"); v = v + t:get("viewed"); o = o + t:get("other")
  end
  io.write(string.format("answers: %d stories created (201), %d views recorded (204), %d other\n", c, v, o))
  io.write(string.format("latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("created=%d\n", c))
end
