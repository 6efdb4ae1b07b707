"""Drives Django (Debian's python3-django, over psycopg2) against a server: a small app (two models with a
ForeignKey, an index and a unique constraint) written to a temporary folder, `migrate` through call_command (with
contrib's contenttypes, auth, admin and sessions), ORM queries (select_related, annotate, filter), the queries the
admin's changelist runs (count, ordering, pagination), and the admin itself through django.test.Client: a superuser
logs in, opens the index, the changelist (searched, filtered), a change form, and saves it (the admin's LogEntry has
DEFERRABLE INITIALLY DEFERRED foreign keys, checked at COMMIT). One observation per line, compared with PostgreSQL
15's output (Drivers/PythonClientTests.cs).

usage: /usr/bin/python3 django_probe.py SCENARIO HOST PORT USER PASSWORD [DATABASE]
SCENARIO: migrate
"""
import io
import os
import sys
import tempfile
import textwrap

SCENARIO, HOST, PORT, USER, PASSWORD = sys.argv[1:6]
DATABASE = sys.argv[6] if len(sys.argv) > 6 else "postgres"

MODELS = textwrap.dedent("""
    from django.db import models


    class Shelf(models.Model):
        name = models.CharField(max_length=40, unique=True)
        created = models.DateTimeField(auto_now_add=True)

        class Meta:
            ordering = ["name"]


    class Item(models.Model):
        shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE, related_name="items")
        title = models.CharField(max_length=80, db_index=True)
        weight = models.DecimalField(max_digits=8, decimal_places=2, default=0)
        attributes = models.JSONField(default=dict)

        class Meta:
            constraints = [models.UniqueConstraint(fields=["shelf", "title"], name="dj_item_shelf_title")]
            indexes = [models.Index(fields=["weight"], name="dj_item_weight")]
    """)

ADMIN = textwrap.dedent("""
    from django.contrib import admin

    from .models import Item, Shelf


    @admin.register(Shelf)
    class ShelfAdmin(admin.ModelAdmin):
        list_display = ["name", "created"]


    @admin.register(Item)
    class ItemAdmin(admin.ModelAdmin):
        list_display = ["title", "shelf", "weight"]
        list_filter = ["shelf"]
        search_fields = ["title", "shelf__name"]
        list_select_related = ["shelf"]
        ordering = ["-weight", "title"]
        list_per_page = 10
    """)

URLS = "from django.contrib import admin\nfrom django.urls import path\n\nurlpatterns = [path('admin/', admin.site.urls)]\n"

folder = tempfile.mkdtemp(prefix="log-django-")
os.makedirs(os.path.join(folder, "djprobe", "migrations"))
for name, content in [("__init__.py", ""), ("models.py", MODELS), ("admin.py", ADMIN), ("urls.py", URLS), ("apps.py", "from django.apps import AppConfig\n\n\n"
                      "class DjprobeConfig(AppConfig):\n    name = 'djprobe'\n    default_auto_field = 'django.db.models.AutoField'\n"),
                      (os.path.join("migrations", "__init__.py"), "")]:
    with open(os.path.join(folder, "djprobe", name), "w") as file:
        file.write(content)
sys.path.insert(0, folder)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # python3 -I leaves the script's folder off the path

import django  # noqa: E402  (after the app folder is on the path)
from django.conf import settings  # noqa: E402

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": DATABASE, "USER": USER,
                           "PASSWORD": PASSWORD, "HOST": HOST, "PORT": PORT, "OPTIONS": {"sslmode": "disable"}}},
    INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                    "django.contrib.messages", "djprobe"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
                "django.contrib.messages.middleware.MessageMiddleware"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
                                                   "django.contrib.messages.context_processors.messages"]}}],
    ROOT_URLCONF="djprobe.urls", ALLOWED_HOSTS=["testserver"], SECRET_KEY="log-django-probe", PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    USE_TZ=True, TIME_ZONE="UTC", DEFAULT_AUTO_FIELD="django.db.models.AutoField")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Sum, Q  # noqa: E402
from probe_steps import step  # noqa: E402


def migrate():
    call_command("makemigrations", "djprobe", verbosity=0)
    output = io.StringIO()
    step("migrate", lambda: (call_command("migrate", verbosity=1, stdout=output, no_color=True), output.getvalue().count("OK"))[1])
    from djprobe.models import Item, Shelf
    step("tables", lambda: sorted(name for name in connection.introspection.table_names() if name.startswith(("djprobe", "django", "auth"))))
    with connection.cursor() as cursor:
        step("item columns", lambda: [(column.name, column.type_code, column.null_ok)
                                      for column in connection.introspection.get_table_description(cursor, "djprobe_item")])
        step("item constraints", lambda: sorted((name, tuple(details["columns"]), details["primary_key"], details["unique"],
                                                 details["foreign_key"], details["index"])
                                                for name, details in connection.introspection.get_constraints(cursor, "djprobe_item").items()
                                                if not name.endswith("_like")))
        step("item relations", lambda: connection.introspection.get_relations(cursor, "djprobe_item"))
        step("sequences", lambda: connection.introspection.get_sequences(cursor, "djprobe_item"))

    def fill():
        shelves = [Shelf.objects.create(name=name) for name in ["beta", "alpha", "gamma"]]
        for index in range(30):
            Item.objects.create(shelf=shelves[index % 3], title=f"item {index:02}", weight=index / 4, attributes={"n": index})
        return Item.objects.count()
    step("rows", fill)
    step("select_related", lambda: [(item.title, item.shelf.name) for item in Item.objects.select_related("shelf").order_by("-title")[:3]])
    # Django leaves Meta.ordering out of aggregate queries: the rows come in the server's group order, so sort them.
    step("annotate", lambda: sorted((shelf.name, shelf.item_count, str(shelf.total)) for shelf in
                                    Shelf.objects.annotate(item_count=Count("items"), total=Sum("items__weight"))))
    step("annotate ordered", lambda: [(shelf.name, shelf.item_count) for shelf in
                                      Shelf.objects.annotate(item_count=Count("items")).filter(item_count__gt=5).order_by("-item_count", "name")])
    step("filter", lambda: list(Item.objects.filter(Q(weight__gte=5) | Q(title__endswith="3"), shelf__name__startswith="a")
                                .values_list("title", flat=True).order_by("title")))
    step("json", lambda: list(Item.objects.filter(attributes__n__gt=26).values_list("title", flat=True).order_by("title")))
    step("icontains", lambda: Item.objects.filter(title__icontains="ITEM 1").count())

    def changelist():
        queryset = Item.objects.select_related("shelf").order_by("-weight", "-pk")
        paginator = Paginator(queryset, 10)
        return (paginator.count, paginator.num_pages, [item.title for item in paginator.page(2).object_list])
    step("changelist", changelist)
    admin_site(Item, Shelf)
    step("update", lambda: Item.objects.filter(shelf__name="gamma").update(weight=1))
    step("delete", lambda: Shelf.objects.filter(name="beta").delete())
    step("after delete", lambda: (Shelf.objects.count(), Item.objects.count()))
    step("unmigrate", lambda: call_command("migrate", "djprobe", "zero", verbosity=0))
    step("tables after", lambda: sorted(name for name in connection.introspection.table_names() if name.startswith("djprobe")))


def admin_site(Item, Shelf):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import User
    from django.test import Client

    def page(response):
        context = response.context
        if response.status_code != 200 or context is None or "cl" not in context:
            return response.status_code
        changelist = context["cl"]
        return (response.status_code, changelist.result_count, changelist.full_result_count,
                [str(item) for item in changelist.result_list][:3])

    from django.test.utils import setup_test_environment
    setup_test_environment()  # records each response's template context, which holds the changelist
    client = Client()
    step("superuser", lambda: User.objects.create_superuser("admin-probe", "probe@example.com", "secret").is_superuser)
    step("login", lambda: client.login(username="admin-probe", password="secret"))
    step("admin index", lambda: client.get("/admin/").status_code)
    step("admin changelist", lambda: page(client.get("/admin/djprobe/item/")))
    step("admin page 2", lambda: page(client.get("/admin/djprobe/item/", {"p": "1"})))
    step("admin search", lambda: page(client.get("/admin/djprobe/item/", {"q": "item 1"})))
    shelf = Shelf.objects.get(name="alpha")
    step("admin filter", lambda: page(client.get("/admin/djprobe/item/", {"shelf__id__exact": str(shelf.pk)})))
    step("admin shelves", lambda: page(client.get("/admin/djprobe/shelf/")))
    item = Item.objects.get(title="item 04")
    step("admin change form", lambda: client.get(f"/admin/djprobe/item/{item.pk}/change/").status_code)
    step("admin save", lambda: client.post(f"/admin/djprobe/item/{item.pk}/change/", {
        "shelf": str(shelf.pk), "title": "item 04 changed", "weight": "7.50", "attributes": '{"n": 4}', "_save": "Save"}).status_code)
    step("admin saved", lambda: list(Item.objects.filter(pk=item.pk).values_list("title", "weight")))
    step("admin log", lambda: [(entry.action_flag, entry.object_repr, entry.content_type.model) for entry in LogEntry.objects.all()])
    step("logout", lambda: client.post("/admin/logout/").status_code)


{"migrate": migrate}[SCENARIO]()
