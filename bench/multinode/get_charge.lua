-- wrk script: GET /v1/charges/{id} over the charge ids listed in the file
-- KONTOR_CHARGES (one a line), round robin. KONTOR_KEY is the secret key.
local charges = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  for line in io.lines(os.getenv("KONTOR_CHARGES")) do
    charges[#charges + 1] = line
  end
  n = tid * 7
end

local headers = { ["Authorization"] = "Bearer " .. (os.getenv("KONTOR_KEY") or "sk_test_wrkbench") }

function request()
  n = n + 1
  return wrk.format("GET", "/v1/charges/" .. charges[(n % #charges) + 1], headers)
end
