-- bench/simulate.lua from clients that honour Retry-After (same arguments, same summary): after a refusal with
-- Retry-After (503/429) the thread waits that many seconds before one of its connections sends again. wrk's delay()
-- does not say which connection asks, so each thread queues the waits its refusals asked for and hands them out in
-- order to its next sends: the total wait is what the answers asked for, not always on the connection that got the
-- refusal. Run from the repository's root (the path below is relative to it).
HONOUR_RETRY_AFTER = true
dofile("bench/simulate.lua")

function delay()
  if wait_first <= wait_last then
    local ms = waits[wait_first]
    waits[wait_first] = nil
    wait_first = wait_first + 1
    return ms
  end
  return 0
end
