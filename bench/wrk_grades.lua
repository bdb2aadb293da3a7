-- wrk replays pre-built grade POSTs (bench/load.py writes them to the file
-- named by BENCH_GRADES): each is the fresh form of one learner's card, used
-- once. A thread stops when its share is spent, so no grade is sent twice.
local forms = dofile(os.getenv("BENCH_GRADES"))
local threads = {}
local count = 0

setup = function(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

init = function(args)
  mine, next_form, ok, other, sent = {}, 1, 0, 0, 0
  local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS"))
  for i, form in ipairs(forms) do
    if (i - 1) % nthreads == id then
      table.insert(mine, form)
    end
  end
end

request = function()
  local form = mine[next_form]
  if form == nil then
    -- A repeat of a form already answered: it can only be "already saved".
    wrk.thread:stop()
    form = mine[1]
  else
    sent = sent + 1
  end
  next_form = next_form + 1
  return wrk.format("POST", form.path, {
    ["Cookie"] = form.cookie,
    ["X-CSRFToken"] = form.csrf,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, form.body)
end

response = function(status, headers, body)
  if status == 200 and not string.find(body, "already saved", 1, true) then
    ok = ok + 1
  else
    other = other + 1
  end
end

done = function(summary, latency, requests)
  local acknowledged, refused, sent_forms = 0, 0, 0
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + thread:get("ok")
    refused = refused + thread:get("other")
    sent_forms = sent_forms + thread:get("sent")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, '
    .. '"acknowledged": %d, "not_acknowledged": %d, "sent": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    acknowledged, refused, sent_forms))
end
