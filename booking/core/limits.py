"""Rate limiting (login attempts). Storage is in memory by default, Redis etc. by URI."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])
