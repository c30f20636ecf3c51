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


def test_label_fields_read_rows_not_instances_and_render_the_same(db, world, django_assert_num_queries):
    from projects.models import Project

    world.other_project.short_name = "旗滨<光伏>"
    world.other_project.save()

    def render(widget):
        field = forms.ModelChoiceField(queryset=Project.objects.order_by("name"), widget=widget, empty_label="全部")
        return field.widget.render("project", world.project.pk)

    with django_assert_num_queries(1):
        fast = render(FastSelect(label_fields=("short_name", "name")))
    assert fast == render(FastSelect)
    assert "旗滨&lt;光伏&gt;" in fast and f'<option value="{world.project.pk}" selected>' in fast


def test_cached_options_are_reused_until_the_key_changes(db, world, django_assert_num_queries):
    from django.core.cache import cache

    from projects.models import Project

    cache.clear()
    field = forms.ModelChoiceField(
        queryset=Project.objects.order_by("name"), widget=FastSelect(label_fields=("name",)), empty_label="全部"
    )
    field.widget.options_cache_key = "test-options:v1"
    first = field.widget.render("project", None)
    with django_assert_num_queries(0):
        again = field.widget.render("project", world.other_project.pk)
    assert again == first.replace(
        f'<option value="{world.other_project.pk}">', f'<option value="{world.other_project.pk}" selected>'
    ).replace('<option value="" selected>', '<option value="">')
    world.project.name = "改名后的项目"
    world.project.save()
    with django_assert_num_queries(0):  # same key: the cached list, whatever the table holds now
        assert "改名后的项目" not in field.widget.render("project", None)
    field.widget.options_cache_key = "test-options:v2"  # a commit moved the data version
    with django_assert_num_queries(1):
        assert "改名后的项目" in field.widget.render("project", None)
    cache.clear()
