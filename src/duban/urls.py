from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "督办系统管理"
admin.site.site_title = "督办系统"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("duban.web.urls")),
]
