"""The demo site: a loopback, httpbin-like server for the demo, the lessons and the tests."""
