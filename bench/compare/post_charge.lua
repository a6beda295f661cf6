-- wrk script: POST /v1/charges against the customers listed in the file
-- KONTOR_CUSTOMERS (one id a line; each has a reusable SEPA Direct Debit
-- source as its default source), round robin, each request with a fresh
-- Idempotency-Key as stripe-go sends one. KONTOR_KEY is the secret key,
-- KONTOR_RUN a prefix that keeps the keys of concurrent wrk processes apart.
-- Each thread of each wrk process (KONTOR_PROC of KONTOR_PROCS, from 0,
-- KONTOR_THREADS threads each) charges its own share of the list, so that
-- concurrent requests charge different customers as long as each thread
-- has more customers than connections (64 customers, 48 connections).
local customers = {}
local n = 0
local prefix = ""

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  local all = {}
  for line in io.lines(os.getenv("KONTOR_CUSTOMERS")) do
    all[#all + 1] = line
  end
  prefix = (os.getenv("KONTOR_RUN") or "run") .. "-" .. tostring(tid) .. "-"
  local threads = tonumber(os.getenv("KONTOR_THREADS") or "1")
  local slots = threads * tonumber(os.getenv("KONTOR_PROCS") or "1")
  local slot = tonumber(os.getenv("KONTOR_PROC") or "0") * threads + tid - 1
  for i = math.floor(slot * #all / slots) + 1, math.floor((slot + 1) * #all / slots) do
    customers[#customers + 1] = all[i]
  end
  if #customers == 0 then
    customers = all
  end
  n = 0
end

local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = "Bearer " .. (os.getenv("KONTOR_KEY") or "sk_test_wrkbench"),
}

function request()
  n = n + 1
  headers["Idempotency-Key"] = prefix .. n
  local body = "amount=1999&currency=eur&customer=" .. customers[(n % #customers) + 1]
  return wrk.format("POST", "/v1/charges", headers, body)
end
