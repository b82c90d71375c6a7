-- bench/post.lua - wrk: POST batches of events (NDJSON, no eventIDs, so the
-- daemon assigns each a fresh one), cycling through every batch of the file
-- so the delivered log files hold distinct records, as real traffic does. The
-- file, the batch size and the token come from the environment.
local bodies = {}
local batch = tonumber(os.getenv("OT_BENCH_BATCH") or "500")
local cur, n = {}, 0
for line in io.lines(os.getenv("OT_BENCH_BODY")) do
    cur[#cur + 1] = line
    if #cur == batch then
        bodies[#bodies + 1] = table.concat(cur, "\n")
        cur = {}
    end
end
if #bodies == 0 then
    bodies[1] = table.concat(cur, "\n")
end
local i = 0

request = function()
    i = i % #bodies + 1
    return wrk.format("POST", nil, {
        ["Authorization"] = "Bearer " .. os.getenv("OT_BENCH_TOKEN"),
        ["Content-Type"] = "application/x-ndjson",
    }, bodies[i])
end

local bad = 0
response = function(status, headers, body)
    if status ~= 200 then
        bad = bad + 1
    end
end

done = function(summary, latency, requests)
    io.write(string.format("non-200 answers: %d\n", bad))
    io.write(string.format("latency p50 %.2f ms p99 %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
