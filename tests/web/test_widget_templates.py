"""The project's own select and input templates (templates/django/forms/widgets/) write out
what Django's include: their HTML must be what Django's own templates give."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("1", "One"), ("2", "Two & <three>")], initial="2")
    grouped = forms.MultipleChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("none", "None of these")],
        initial=["pear", "none"],
        widget=forms.SelectMultiple(attrs={"class": "wide", "data-x": 'a"b'}),
    )
    required_text = forms.CharField(
        initial='<b>"quoted"</b>', widget=forms.TextInput(attrs={"disabled": True, "readonly": False})
    )
    optional_number = forms.IntegerField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="7")


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("name", list(Everything.base_fields))
def test_each_widget_renders_as_djangos_own_template_does(name):
    ours = Everything(renderer=get_default_renderer())[name].as_widget()
    djangos = Everything(renderer=DjangoTemplates())[name].as_widget()  # Django's templates alone

    assert _normalised(ours) == _normalised(djangos)


def test_the_projects_templates_are_the_ones_rendered():
    # Django's own select includes a template per option; the project's writes them out.
    renderer = get_default_renderer()
    template = renderer.get_template("django/forms/widgets/select.html")

    assert "include option.template_name" not in template.template.source
    assert "option.attrs.items" in template.template.source
