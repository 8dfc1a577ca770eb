-- Replays pre-signed requests from a file (one "signature<TAB>body" per line).
-- Each wrk thread takes every Nth line, so no event is sent twice.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads, endpoint = args[1], tonumber(args[2]), args[3]
  reqs = {}
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == tid then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", endpoint,
        {["Content-Type"] = "application/json", ["X-Signature-256"] = sig}, body)
    end
    n = n + 1
  end
  i = 0
  bad = 0
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end

function response(status, headers, body)
  if status ~= 202 then bad = bad + 1 end
end
