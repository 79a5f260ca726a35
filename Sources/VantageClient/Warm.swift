import AsyncHTTPClient; import NIOSSL; import Logging
