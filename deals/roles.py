"""The groups a user acts in. Created by a data migration; referred to by name."""

SELLER = "Seller"
DEAL_DESK = "Deal desk"
FINANCE = "Finance"
MANAGER = "Manager"
LEGAL = "Legal"
SALES_VP = "Sales VP"

ALL_GROUPS = (SELLER, DEAL_DESK, FINANCE, MANAGER, LEGAL, SALES_VP)
# Groups that see every deal; sellers see their own, managers their team's.
SEES_ALL_DEALS = frozenset({DEAL_DESK, FINANCE, LEGAL, SALES_VP})


def group_names(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._group_names = cached
    return cached


def in_group(user, name: str) -> bool:
    return name in group_names(user)
