from examples.demo_portal import run
from examples.provident_portal import create_app

run(create_app())
