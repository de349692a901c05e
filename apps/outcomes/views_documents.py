"""Drawing up a legal document as PDF from its record, registered as evidence of the case."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from apps.audit.services import client_ip

from . import documents
from .views import CaseOutcomeMixin


class DocumentGenerateView(CaseOutcomeMixin, View):
    """POST only, for the case team: 404 for a case the user may not change, an unknown kind, or a
    record that is not the case's (or that the document cannot be drawn up from)."""

    http_method_names = ["post"]

    def post(self, request, pk, kind, object_pk):
        case = self.get_case()
        obj = documents.document_object_for(case, kind, object_pk)
        if obj is None:
            raise Http404
        try:
            evidence = documents.document_generate(actor=request.user, kind=kind, obj=obj, ip=client_ip(request))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(documents.document_kind_get(kind).page(obj))
        messages.success(
            request,
            _("“%(title)s” generated as PDF and registered as evidence (SHA-256 %(hash)s).")
            % {"title": evidence.title, "hash": evidence.blob.sha256[:12]},
        )
        return redirect(evidence)
