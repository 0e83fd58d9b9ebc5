-- wrk script: POST /api/v1/features/online for ENTITIES random entities (of KEYS) and every feature of the view.
local entities = tonumber(os.getenv("ENTITIES") or "1")
local keys = tonumber(os.getenv("KEYS") or "10000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  local ids = {}
  for i = 1, entities do ids[i] = tostring(math.random(1, keys)) end
  local body = '{"features":["bench.*"],"entities":{"entity_id":[' .. table.concat(ids, ",") .. ']}}'
  return wrk.format(nil, "/api/v1/features/online", nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("HTTP " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
