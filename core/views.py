from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # Rendered without context processors' database work: the failure may be the database.
    return render(request, "500.html", status=500)
