-- One clock-in + clock-out cycle over HTTP, for wrk:
--   wrk -t 8 -c 8 -d 10s -s benches/clock_cycle.wrk.lua http://127.0.0.1:18080 -- FIRST COUNT CLIENTS
-- Run with as many threads as connections: each thread is then one client
-- that clocks a random employee of its own slice (first + client + clients * k,
-- as the pgbench script does) in, then out, then picks the next one. The
-- next request follows from the last response, so a failed clock-in is
-- followed by a fresh clock-in rather than a doomed clock-out.

local next_client = 0

function setup(thread)
   thread:set("client", next_client)
   next_client = next_client + 1
end

function init(args)
   first = tonumber(args[1])
   clients = tonumber(args[3]) or 1
   per = math.floor(tonumber(args[2]) / clients)
   math.randomseed(1000 + client)
   employee = first
   sent_in = false
   clocked_in = false
   headers = { ["Content-Type"] = "application/json" }
end

function request()
   if clocked_in then
      sent_in = false
      return wrk.format("POST", "/attendance/clock-out", headers,
         '{"employee_id":' .. employee .. '}')
   end
   employee = first + client + clients * math.random(0, per - 1)
   sent_in = true
   return wrk.format("POST", "/attendance/clock-in", headers,
      '{"employee_id":' .. employee .. ',"work_mode":"WFO"}')
end

function response(status, headers, body)
   clocked_in = sent_in and status == 201
end
