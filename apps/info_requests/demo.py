"""Demo requests for information: filled in with the staff pages."""


def seed_info_requests() -> str:
    return "nothing yet"
