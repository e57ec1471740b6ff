-- POST /login as the seeded users bench1@bench.example … bench<LOGIN_USERS>@bench.example with
-- LOGIN_PASSWORD (the seeder's), each thread walking its own slice. Every login pays one bcrypt
-- check at the API's configured cost; 200 is success, a 429 or 503 is an error.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")

function init(args)
  password = os.getenv("LOGIN_PASSWORD") or "benchmark password"
  next_user = common.walker(tonumber(os.getenv("LOGIN_USERS") or "1000"))
end

function request()
  return wrk.format("POST", "/login", { ["Content-Type"] = "application/json" },
    '{"email":"bench' .. next_user() .. '@bench.example","password":"' .. password .. '"}')
end
