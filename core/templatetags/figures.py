"""The product's figures as template filters (core/figures.py): `{% load figures %}`, then
`{{ x|money:deal.currency }}`, `{{ x|amount:currency }}`, `{{ x|deduction:currency }}`,
`{{ x|unit_cost:currency }}`, `{{ x|quantity }}`, `{{ x|percent }}`, `{{ x|percent_number }}`,
`{{ x|in_points }}`, `{{ now|points:baseline }}`."""

from __future__ import annotations

from django import template

from core.figures import (
    amount,
    deduction,
    in_points,
    money,
    percent,
    percent_number,
    points,
    quantity,
    unit_cost,
)

FILTERS = (amount, deduction, in_points, money, percent, percent_number, points, quantity, unit_cost)

register = template.Library()
for written in FILTERS:
    register.filter(written.__name__, written)
