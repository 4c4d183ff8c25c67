def load_demo(node: str) -> str:
    return "nothing yet"
