-- POST /stories: a public text story by a random user of TOKENS_FILE (first CALLERS). 201 is success.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")
common.success = { [201] = true }

function init(args)
  tokens = common.tokens()
  math.randomseed(os.time() * 100 + thread_id)
  n = 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/stories",
    { Authorization = tokens[math.random(#tokens)], ["Content-Type"] = "application/json" },
    '{"text":"throughput story ' .. thread_id .. "-" .. n .. '","visibility":"public"}')
end
