-- wrk script: POST /v1/customers with a form-encoded body, as an SDK sends it.
-- The key comes from KONTOR_KEY (any sk_test_ key; the server provisions an account for it).
wrk.method = "POST"
wrk.body = "email=jenny.rosen%40example.com&name=Jenny+Rosen&description=benchmark+customer" ..
  "&phone=%2B4930123456&metadata%5Border%5D=6735"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KONTOR_KEY") or "sk_test_wrkbench")
