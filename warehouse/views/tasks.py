"""我的任务: what waits for this person at each step, in their own warehouses."""

from django.shortcuts import render

from warehouse.floor_selectors import LIST_LIMIT, task_counts, waves_to_pick, waves_to_sort
from warehouse.selectors import warehouses_for
from warehouse.views.access import floor_login_required


@floor_login_required
def my_tasks(request):
    warehouses = list(warehouses_for(request.user)[:5])
    return render(request, "floor/tasks.html", {
        "warehouses": warehouses,
        "counts": task_counts(request.user),
        "to_pick": waves_to_pick(request.user)[:LIST_LIMIT],
        "to_sort": waves_to_sort(request.user)[:LIST_LIMIT],
    })
