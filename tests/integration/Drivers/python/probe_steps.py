"""What the comparison probes (sqlalchemy_probe.py, django_probe.py, pyclients_probe.py) share: each step prints its
label and its result, or "error: CLASS: SQLSTATE first line of the message" if it failed, and the probe goes on, so
that one output holds every difference between Log and PostgreSQL."""


def describe(error):
    code = getattr(error, "pgcode", None) or getattr(error, "sqlstate", None) or ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"error: {type(error).__name__}: {code} {message}".replace("  ", " ").rstrip()


def step(label, action):
    try:
        result = action()
    except Exception as error:  # the probe reports every failure and goes on
        result = describe(error)
    print(label, result)


async def astep(label, action):
    try:
        result = await action()
    except Exception as error:  # the probe reports every failure and goes on
        result = describe(error)
    print(label, result)
