from django import forms

from core.widgets import FastSelect


def test_fast_select_renders_like_select_escaped_and_selected():
    choices = [("", "全部"), (1, "水电硅<项目>"), ("2", "旗滨")]
    html = FastSelect(choices=choices).render("project", "2", attrs={"class": "form-select", "id": "id_project"})
    assert html.startswith('<select class="form-select" id="id_project" name="project">')
    assert '<option value="2" selected>旗滨</option>' in html
    assert '<option value="1">水电硅&lt;项目&gt;</option>' in html
    assert '<option value="">全部</option>' in html
    # Django's own Select agrees on what is selected and how labels are escaped.
    reference = forms.Select(choices=choices).render("project", "2")
    assert 'value="2" selected' in reference and "水电硅&lt;项目&gt;" in reference


def test_fast_select_in_a_model_choice_field(db, world):
    from projects.models import Project

    field = forms.ModelChoiceField(queryset=Project.objects.order_by("name"), widget=FastSelect, empty_label="全部")
    html = field.widget.render("project", world.project.pk)
    assert f'<option value="{world.project.pk}" selected>' in html
    assert f'<option value="{world.other_project.pk}">' in html
