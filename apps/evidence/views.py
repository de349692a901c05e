"""Evidence pages: upload (streamed and hashed), detail with custody, download, transfer."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView, TemplateView

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.core.forms import add_service_errors

from . import selectors, services
from .forms import EvidenceMetadataForm, EvidenceUploadForm, TransferForm
from .storage import evidence_storage
from .uploads import (
    HashingUploadHandler,
    RawBodyInterruptedError,
    RawBodyTooLargeError,
    display_filename,
    receive_raw_body,
    served_media_type,
    stored_filename,
)


class CaseEvidenceMixin(RoleRequiredMixin):
    allowed_roles = case_permissions.READER_ROLES
    case_perm = case_permissions.VIEW

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = case_permissions.case_get_for_user(self.request.user, self.kwargs["pk"], self.case_perm)
        return self._case

    def get_evidence(self):
        evidence = selectors.evidence_of_case(self.get_case()).filter(pk=self.kwargs["evidence_pk"]).first()
        if evidence is None:
            raise Http404
        return evidence


def _close(files) -> None:
    for uploaded in files:
        uploaded.close()  # removes the temporary file


def _close_handler_file(request) -> None:
    """The file the upload handler was writing when the parser gave up: its temporary file goes too."""
    for handler in getattr(request, "upload_handlers", ()):
        current = getattr(handler, "file", None)
        if current is not None:
            current.close()


@method_decorator(csrf_exempt, name="dispatch")
class EvidenceUploadView(CaseEvidenceMixin, View):
    """The upload handler must be in place before the body is read, hence CSRF checked inside."""

    case_perm = case_permissions.CHANGE
    template_name = "evidence/upload.html"

    def get(self, request, pk):
        return self._render(EvidenceUploadForm(case=self.get_case()))

    def get_superseded(self):
        """``?supersedes=<id>``: the upload is a correction of that item of the same case."""
        value = self.request.GET.get("supersedes", "")
        if not value:
            return None
        evidence = selectors.evidence_of_case(self.get_case()).filter(pk=value if value.isdigit() else 0).first()
        if evidence is None:
            raise Http404
        return evidence

    def post(self, request, pk):
        case = self.get_case()
        if request.content_type == "application/octet-stream":
            return csrf_protect(self._post_raw)(request, case)
        request.upload_handlers = [HashingUploadHandler(request)]
        return csrf_protect(self._post)(request, case)

    def _post_raw(self, request, case):
        """One file as the raw request body, metadata in the query string (large files)."""
        form = EvidenceUploadForm(request.GET, case=case)
        form.fields["files"].required = False
        if not form.is_valid():
            return HttpResponse(" ".join(str(e) for errors in form.errors.values() for e in errors), status=400)
        try:
            uploaded = receive_raw_body(request)
        except RawBodyTooLargeError:
            return HttpResponse(
                _("A file is larger than the limit of %(size)s.") % {"size": _human(settings.EVIDENCE_MAX_UPLOAD_SIZE)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        except (RawBodyInterruptedError, UnreadablePostError, OSError):
            return HttpResponse(_("The upload was interrupted."), status=400)
        form.cleaned_data["files"] = [uploaded]
        try:
            created = self._register(form, case)
        except ValidationError as error:
            return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")
        finally:
            uploaded.close()
        return HttpResponse(status=201, headers={"Location": created[0].get_absolute_url()})

    def _render(self, form, status=200):
        context = {"form": form, "case": self.get_case(), "superseded": self.get_superseded()}
        return render(self.request, self.template_name, context, status=status)

    def _post(self, request, case):
        try:
            files = request.FILES.getlist("files")
            data = request.POST
        except UnreadablePostError:
            return HttpResponse(_("The upload was interrupted."), status=400)
        except MultiPartParserError:  # e.g. a file name longer than the headers may be
            _close_handler_file(request)
            return HttpResponse(_("The upload could not be read (malformed request)."), status=400)
        handler = request.upload_handlers[0]
        if handler.too_big:
            _close(files)
            return HttpResponse(
                _("A file is larger than the limit of %(size)s.") % {"size": _human(handler.max_size)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        if handler.truncated:
            _close(files)
            return HttpResponse(_("The upload was interrupted."), status=400)
        form = EvidenceUploadForm(data, request.FILES, case=case)
        try:
            if not form.is_valid():
                return self._render(form, status=400)
            created = self._register(form, case)
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(form, status=400)
        finally:
            _close(files)
        messages.success(request, _("%(count)d evidence item(s) registered.") % {"count": len(created)})
        if request.headers.get("Accept") == "application/json":
            return HttpResponse(
                status=201, headers={"Location": reverse("cases:tab", kwargs={"pk": case.pk, "tab": "evidence"})}
            )
        return redirect("cases:tab", pk=case.pk, tab="evidence")

    def _register(self, form, case):
        data = form.cleaned_data
        files = data["files"]
        superseded = self.get_superseded()
        if superseded is not None and len(files) != 1:
            raise ValidationError({"files": _("A correction is one file.")})
        # Every file is judged (size, type, malware scan) before any is stored: one refused file
        # refuses the upload with nothing left behind, and a malware refusal's audit event is kept.
        for uploaded in files:
            try:
                services.upload_screen(uploaded, actor=self.request.user, case_id=case.pk, ip=client_ip(self.request))
            except ValidationError as error:
                name = display_filename(uploaded.name)
                raise ValidationError({"files": f"{name} : {' '.join(error.messages)}"}) from error
        with transaction.atomic():
            created = []
            for uploaded in files:
                name = display_filename(uploaded.name)
                title = data["title"] or name
                if data["title"] and len(files) > 1:
                    title = f"{data['title']} — {name}"
                try:
                    created.append(
                        services.evidence_register(
                            actor=self.request.user,
                            case=case,
                            upload=uploaded,
                            title=title[:255],
                            source=data["source"],
                            description=data["description"],
                            collected_at=data["collected_at"],
                            collected_by=data["collected_by"],
                            personal_data=data["personal_data"],
                            health_data=data["health_data"],
                            nir=data["nir"],
                            parties=list(data["parties"]),
                            supersedes=superseded,
                            ip=client_ip(self.request),
                        )
                    )
                except ValidationError as error:
                    raise ValidationError({"files": f"{name} : {' '.join(error.messages)}"}) from error
        return created


def _human(size: int) -> str:
    for unit in ("o", "Kio", "Mio", "Gio"):
        if size < 1024 or unit == "Gio":
            return f"{size:.0f} {unit}" if unit == "o" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


class EvidenceDetailView(CaseEvidenceMixin, TemplateView):
    template_name = "evidence/detail.html"

    def get_context_data(self, **kwargs):
        evidence = self.get_evidence()
        access_record(
            actor=self.request.user,
            action=AccessAction.VIEW,
            object_type="evidence",
            object_id=evidence.pk,
            case_id=evidence.case_id,
            label=evidence.title,
            request=self.request,
        )
        return super().get_context_data(
            case=self.get_case(),
            evidence=evidence,
            custody=selectors.custody_of(evidence),
            can_change=case_permissions.can_change(self.request.user, self.get_case()),
            transfer_form=TransferForm(),
            **kwargs,
        )


class EvidenceDownloadView(CaseEvidenceMixin, View):
    def get(self, request, pk, evidence_pk):
        evidence = self.get_evidence()
        try:
            handle = evidence_storage().open(evidence.blob.storage_name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        services.evidence_download_record(actor=request.user, evidence=evidence, ip=client_ip(request))
        access_record(
            actor=request.user,
            action=AccessAction.DOWNLOAD,
            object_type="evidence",
            object_id=evidence.pk,
            case_id=evidence.case_id,
            label=evidence.original_filename,
            request=request,
        )
        # Always an attachment, under a name whose extension matches the content, with a passive type
        # (anything else is application/octet-stream) and nosniff: a stored file never renders or runs.
        media_type = evidence.blob.media_type
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=stored_filename(evidence.original_filename, media_type),
            content_type=served_media_type(media_type),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Length"] = str(evidence.blob.size)
        return response


class EvidenceTransferView(CaseEvidenceMixin, FormView):
    case_perm = case_permissions.CHANGE
    form_class = TransferForm
    template_name = "evidence/transfer.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), evidence=self.get_evidence(), **kwargs)

    def form_valid(self, form):
        evidence = self.get_evidence()
        try:
            services.evidence_transfer(
                actor=self.request.user, evidence=evidence, ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Transfer recorded."))
        return redirect(evidence)


class IntegrityAlertListView(RoleRequiredMixin, TemplateView):
    """Managers: every integrity alert, with the cases whose evidence uses the blob."""

    template_name = "evidence/alerts.html"
    allowed_roles = frozenset({Role.MANAGER})

    def get_context_data(self, **kwargs):
        return super().get_context_data(alerts=selectors.all_alerts(), **kwargs)


class EvidenceEditView(CaseEvidenceMixin, FormView):
    """Correct an item's description; its file never changes (history keeps each version)."""

    case_perm = case_permissions.CHANGE
    form_class = EvidenceMetadataForm
    template_name = "evidence/edit.html"

    def get_initial(self):
        evidence = self.get_evidence()
        return {name: getattr(evidence, name) for name in services.METADATA_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), evidence=self.get_evidence(), **kwargs)

    def form_valid(self, form):
        evidence = self.get_evidence()
        fields = dict(form.cleaned_data)
        fields["title"] = fields["title"] or evidence.title
        services.evidence_update(actor=self.request.user, evidence=evidence, ip=client_ip(self.request), **fields)
        messages.success(self.request, _("Description updated."))
        return redirect(evidence)
