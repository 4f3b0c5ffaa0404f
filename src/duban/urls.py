from django.contrib import admin
from django.urls import include, path, re_path

from duban.api.v1 import api
from duban.api.views import not_found

admin.site.site_header = "督办系统管理"
admin.site.site_title = "督办系统"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found),  # any other address under /api/ is a JSON problem
    path("", include("duban.web.urls")),
]

# Chinese error pages in the site's style (duban/web/views/errors.py); the 500 page
# shows the request id to quote.
handler400 = "duban.web.views.errors.bad_request"
handler403 = "duban.web.views.errors.permission_denied"
handler404 = "duban.web.views.errors.not_found"
handler500 = "duban.web.views.errors.server_error"
