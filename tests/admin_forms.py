"""The POST a person's browser sends when they press Save on an admin change page, unchanged."""


def change_form_data(page, deal) -> dict:
    """Every field of the deal's change form and of its inline rows, as the page showed them."""
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data["_save"] = "Save"
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for index, inline_form in enumerate(fs.forms):
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None:
                    data[f"{fs.prefix}-{index}-{name}"] = value
            data[f"{fs.prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{fs.prefix}-{index}-deal"] = deal.pk
    return data


def inline_prefix(page, word: str) -> str:
    """The form prefix of the inline whose prefix names `word` (e.g. "volume", "costline")."""
    return next(f.formset.prefix for f in page.context["inline_admin_formsets"] if word in f.formset.prefix)
