-- One clock-in + clock-out cycle over HTTP, for wrk:
--   wrk -t 2 -c 8 -d 10s -s benches/clock_cycle.wrk.lua http://127.0.0.1:18080 -- FIRST COUNT THREADS [TOKEN]
-- FIRST and COUNT describe the employees (smallest id, how many), THREADS
-- repeats -t, TOKEN (optional) is sent as `Authorization: Bearer TOKEN`. Use as many threads as pgbench's -j in the same comparison, so
-- that the two load generators are alike.
--
-- Each thread owns a slice of the employees (first + thread + threads * k,
-- as the pgbench script slices them by client) and keeps its own queue:
-- a clock-in that answered 201 puts the employee on the queue, and the
-- next request the thread sends (on whichever of its connections is free)
-- clocks the newest queued employee out; with the queue empty it clocks a
-- fresh employee in. wrk does not say which connection a request goes to,
-- so the queue, not the connection, carries the cycle: a clock-out is only
-- ever sent after its clock-in has succeeded. Fresh employees are taken by
-- a fixed stride through the slice (coprime with its size), which visits
-- every employee once before repeating, so an employee still in flight is
-- never clocked in twice.
--
-- Requests are concatenated from a head made once per thread rather than
-- built by wrk.format, which formats every header afresh on each call: the
-- load generator's CPU is taken from the server and PostgreSQL on the same
-- cores (docs/PERFORMANCE.md has the measurement).

local next_thread = 0

function setup(thread)
   thread:set("me", next_thread)
   next_thread = next_thread + 1
end

function init(args)
   first = tonumber(args[1])
   threads = tonumber(args[3]) or 1
   per = math.floor(tonumber(args[2]) / threads)
   step = 7919 -- a prime; made coprime with per below
   while per % step == 0 do
      step = step + 2
   end
   k = (me * 104729) % per
   clocked_in = {}
   local host = wrk.host .. (wrk.port and (":" .. wrk.port) or "")
   local auth = ""
   if args[4] and args[4] ~= "" then
      auth = "\r\nAuthorization: Bearer " .. args[4]
   end
   local head = " HTTP/1.1\r\nHost: " .. host .. auth ..
      "\r\nContent-Type: application/json\r\nContent-Length: "
   clock_in_head = "POST /attendance/clock-in" .. head
   clock_out_head = "POST /attendance/clock-out" .. head
end

-- A POST with a JSON body, after one of the heads above.
local function post(head, body)
   return head .. #body .. "\r\n\r\n" .. body
end

function request()
   local n = #clocked_in
   if n > 0 then
      local employee = clocked_in[n]
      clocked_in[n] = nil
      return post(clock_out_head, '{"employee_id":' .. employee .. '}')
   end
   k = (k + step) % per
   return post(clock_in_head,
      '{"employee_id":' .. (first + me + threads * k) .. ',"work_mode":"WFO"}')
end

function response(status, headers, body)
   if status == 201 then
      clocked_in[#clocked_in + 1] = body:match('"employee_id":(%d+)')
   end
end
