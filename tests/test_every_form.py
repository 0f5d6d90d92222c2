"""Every form class of the portal, with every field filled (optional ones too: an e-mail address wherever one is
asked, a file wherever one may be sent), is validated and rendered without an exception. A validator whose
dependency is missing (the e-mail check needs `email_validator`) or a field that cannot render its own value is a
500 on an ordinary day; tests/test_every_field.py posts the forms that create something through their pages."""
import importlib
import inspect
import io
import pkgutil
from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import fields as f
from wtforms.validators import Email

import portal
from portal.extensions import db
from portal.models import Salon
from tests.helpers import make_image, make_salon

EMAIL = "zhang.san@example.com"


def form_classes() -> list[type]:
    """Every FlaskForm subclass defined in portal/ (imported by create_app)."""
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("portal.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def leaf_fields(form):
    for field in form:
        if isinstance(field, f.FieldList):
            for entry in field.entries:
                yield from (leaf_fields(entry.form) if isinstance(entry, f.FormField) else [entry])
        elif isinstance(field, f.FormField):
            yield from leaf_fields(field.form)
        else:
            yield field


def load_choices(form, salon) -> None:
    loader = getattr(form, "load_choices", None)
    if loader is not None:
        loader(*([salon] if inspect.signature(loader).parameters else []))
    for field in leaf_fields(form):  # choices a view fills from the case or the user at hand
        if isinstance(field, f.SelectFieldBase) and getattr(field, "choices", None) is None:
            field.choices = [("1", "一")]


def choice_values(field) -> list[str]:
    choices = field.choices
    if isinstance(choices, dict):  # optgroups
        choices = [c for group in choices.values() for c in group]
    values = [str(c[0] if isinstance(c, tuple | list) else c) for c in choices or []]
    return [v for v in values if v not in ("", "None")]


def value_for(field):
    if any(isinstance(v, Email) for v in field.validators) or isinstance(field, f.EmailField):
        return EMAIL
    if isinstance(field, f.SubmitField):
        return None
    if isinstance(field, f.BooleanField):
        return "y"
    if isinstance(field, f.SelectMultipleField):
        return choice_values(field)[:2]
    if isinstance(field, f.SelectFieldBase):
        return choice_values(field)[:1]
    if isinstance(field, f.MultipleFileField | f.FileField):
        return FileStorage(stream=io.BytesIO(make_image()), filename="photo.jpg",
                           content_type="image/jpeg")
    if isinstance(field, f.MonthField) or field.short_name == "month":
        return "2026-10"
    if isinstance(field, f.DateField):
        return date(2026, 11, 2).isoformat()
    if isinstance(field, f.DateTimeLocalField):
        return "2026-11-02T10:00"
    if isinstance(field, f.DateTimeField):
        return "2026-11-02 10:00:00"
    if isinstance(field, f.IntegerField | f.DecimalField | f.FloatField | f.IntegerRangeField):
        return "3"
    if isinstance(field, f.PasswordField):
        return "Long-enough-pass-2026"
    if isinstance(field, f.TelField) or "phone" in field.name:
        return "13800001111"
    if field.short_name in ("code", "username"):
        return "demo_2026"
    if field.short_name == "tracking_no":
        return "202611020001"
    if field.short_name == "query_code":
        return "123456"
    return f"阜阳市颍州区人民路88号 · 联系 {EMAIL}"


def filled(form) -> MultiDict:
    data = MultiDict()
    for field in leaf_fields(form):
        value = value_for(field)
        for one in value if isinstance(value, list) else [value]:
            if one is not None:
                data.add(field.name, one)
    return data


def pytest_generate_tests(metafunc):
    if "form_class" in metafunc.fixturenames:
        for module in pkgutil.walk_packages(portal.__path__, "portal."):
            if not module.name.startswith(("portal.migrations", "portal.demo")):
                importlib.import_module(module.name)
        classes = form_classes()
        metafunc.parametrize("form_class", classes, ids=[f"{c.__module__.split('.', 2)[-1]}.{c.__name__}"
                                                         for c in classes])


@pytest.fixture
def salon(app, city):
    salon_id = make_salon(app, city, "in_progress")
    with app.app_context():
        return salon_id


def test_every_form_with_every_field_filled_validates_and_renders(app, city, salon, form_class):
    with app.test_request_context("/", method="POST"):
        salon_row = db.session.get(Salon, salon)
        empty = form_class(formdata=None, meta={"csrf": False})
        load_choices(empty, salon_row)
        data = filled(empty)
        form = form_class(formdata=data, meta={"csrf": False})
        load_choices(form, salon_row)
        form.validate()  # valid or not, it must answer (an exception is a 500)
        for field in leaf_fields(form):
            assert str(field.label) is not None and str(field()) is not None
            if isinstance(field, f.EmailField) or any(isinstance(v, Email) for v in field.validators):
                assert not field.errors, f"{form_class.__name__}.{field.name}: {field.errors}"


def test_the_sweep_finds_the_forms(app):
    names = {c.__name__ for c in form_classes()}
    assert {"CaseForm", "OperatorIntakeForm", "RegistrationForm", "ParticipantForm", "UserForm"} <= names
    assert len(names) >= 50
