"""The station manifest PDF of one station wave (staff allowed to print, as for the other sheets;
the wave's warehouse must be one the person works in or sees)."""

from django.http import Http404

from warehouse.models import StationWave
from warehouse.printing.manifest import manifest_for, manifest_pdf
from warehouse.printing.views import pdf_response, printer_required
from warehouse.selectors import warehouses_shown_in_admin


@printer_required
def manifest(request, pk: int):
    station_wave = (
        StationWave.objects.select_related("wave", "wave__warehouse", "station")
        .filter(pk=pk, wave__warehouse__in=warehouses_shown_in_admin(request.user))
        .first()
    )
    if station_wave is None:
        raise Http404
    data = manifest_for(station_wave, base_url=request.build_absolute_uri("/"))
    return pdf_response(manifest_pdf(data), f"manifest-{station_wave.wave.number}.pdf")
