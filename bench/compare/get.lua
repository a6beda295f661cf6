-- wrk script: GET KONTOR_PREFIX .. id over the ids listed in the file
-- KONTOR_IDS (one a line), round robin. KONTOR_KEY is the secret key.
local ids = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  for line in io.lines(os.getenv("KONTOR_IDS")) do
    ids[#ids + 1] = line
  end
  n = tid * 7
end

local prefix = os.getenv("KONTOR_PREFIX") or "/v1/charges/"
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("KONTOR_KEY") or "sk_test_wrkbench") }

function request()
  n = n + 1
  return wrk.format("GET", prefix .. ids[(n % #ids) + 1], headers)
end
