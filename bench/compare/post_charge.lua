-- wrk script: POST /v1/charges against the customers listed in the file
-- KONTOR_CUSTOMERS (one id a line; each has a reusable SEPA Direct Debit
-- source as its default source), round robin, each request with a fresh
-- Idempotency-Key as stripe-go sends one. KONTOR_KEY is the secret key,
-- KONTOR_RUN a prefix that keeps the keys of concurrent wrk processes apart.
local customers = {}
local n = 0
local prefix = ""

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  for line in io.lines(os.getenv("KONTOR_CUSTOMERS")) do
    customers[#customers + 1] = line
  end
  prefix = (os.getenv("KONTOR_RUN") or "run") .. "-" .. tostring(tid) .. "-"
  -- Threads start at different customers.
  n = tid * 7
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
