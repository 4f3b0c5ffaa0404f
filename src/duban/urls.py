from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "督办系统管理"
admin.site.site_title = "督办系统"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("duban.web.urls")),
]

# Unexpected errors: a Chinese page with the request id (web/views/errors.py).
handler500 = "duban.web.views.errors.server_error"
