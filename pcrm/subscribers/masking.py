"""Residents' names and addresses shown in part, for staff who need to tell people apart but
not to know who they are (개인정보보호법 §3: the least personal data the task needs)."""


def mask_name(name: str | None) -> str:
    """홍길동 -> 홍*동, 남궁민수 -> 남**수, 홍길 -> 홍*: the first and last letters stay."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[:-1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_email(address: str | None) -> str:
    """hong.gildong@example.kr -> ho**********@example.kr: the domain and two letters stay."""
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return mask_name(address)
    shown = 2 if len(local) >= 4 else 1 if len(local) >= 2 else 0  # half at most
    return local[:shown] + "*" * (len(local) - shown) + "@" + domain


def mask_phone(national: str | None) -> str:
    """010-1234-5678 -> 010-****-5678: the carrier prefix and the last four digits stay."""
    if not national:
        return ""
    parts = national.split("-")
    if len(parts) != 3:
        return "*" * max(len(national) - 4, 0) + national[-4:]
    return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
