"""The sanction procedure's pages: opening it, its written procedure and hearing, the report and the
convocation as delivered documents, and a periodic penalty's liquidation."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.audit.services import client_ip

from . import appeals, sanctions, selectors
from .choices import DocumentKind, Procedure, ProcedureStep
from .forms import (
    EmptyForm,
    HearingForm,
    InvestigationCloseForm,
    LiquidationDecisionForm,
    LiquidationObservationsForm,
    ObservationForm,
    SanctionProcedureForm,
    SanctionReportForm,
    SwitchForm,
)
from .models import Hearing, Liquidation, SanctionProcedure, SanctionReport
from .views import ActionView, DeliveredDocumentView, OutcomeFormView


class SanctionProcedureCreateView(OutcomeFormView):
    """The President refers a party to the restricted committee and appoints a rapporteur."""

    form_class = SanctionProcedureForm
    title = _("Sanction procedure")
    intro = _(
        "Decided by the President, with or without a prior formal notice. Ordinary: 1 month for observations "
        "on the report and a hearing notified 15 days ahead. Urgency: 8 days. Simplified: the restricted "
        "committee's president decides alone, a hearing only if the organisation asks."
    )
    success_message = _("Sanction procedure opened.")

    def perform(self, data):
        procedure = sanctions.sanction_procedure_open(actor=self.request.user, ip=client_ip(self.request), **data)
        return reverse("outcomes:procedure", args=[self.kwargs["pk"], procedure.pk])


class SanctionProcedureView(ActionView):
    """A sanction procedure's steps, and the actions its current step allows."""

    template_name = "outcomes/procedure_detail.html"

    def get_document(self, case):
        return get_object_or_404(
            SanctionProcedure.objects.select_related("party__organisation"), case=case, pk=self.kwargs["procedure_pk"]
        )

    def document_context(self, case, procedure) -> dict:
        return {
            "procedure": procedure,
            "steps": ProcedureStep,
            "procedures": Procedure,
            **selectors.procedure_page(procedure),
        }

    def action_forms(self, case, procedure) -> dict:
        return {
            "report_form": SanctionReportForm(case=case),
            "observation_form": ObservationForm(case=case),
            "close_form": InvestigationCloseForm(),
            "hearing_form": HearingForm(),
            "switch_form": SwitchForm(),
        }

    def action(self, name, case, procedure):
        request, ip = self.request, client_ip(self.request)
        actor = request.user
        forms = {
            "report": (
                SanctionReportForm(request.POST, case=case),
                "report_form",
                lambda data: sanctions.sanction_report_record(actor=actor, procedure=procedure, ip=ip, **data),
            ),
            "observation": (
                ObservationForm(request.POST, case=case),
                "observation_form",
                lambda data: sanctions.observation_record(actor=actor, procedure=procedure, ip=ip, **data),
            ),
            "close": (
                InvestigationCloseForm(request.POST),
                "close_form",
                lambda data: sanctions.investigation_close(actor=actor, procedure=procedure, ip=ip, **data),
            ),
            "hearing": (
                HearingForm(request.POST),
                "hearing_form",
                lambda data: sanctions.hearing_schedule(actor=actor, procedure=procedure, ip=ip, **data),
            ),
            "hearing_request": (
                EmptyForm(request.POST),
                "hearing_request_form",
                lambda data: sanctions.hearing_request_record(actor=actor, procedure=procedure, ip=ip),
            ),
            "switch": (
                SwitchForm(request.POST),
                "switch_form",
                lambda data: sanctions.sanction_procedure_switch(actor=actor, procedure=procedure, ip=ip, **data),
            ),
        }
        return forms.get(name)


class SanctionReportView(DeliveredDocumentView):
    """The rapporteur's report and its delivery (the receipt opens the observations period)."""

    template_name = "outcomes/report_detail.html"
    document_kind = DocumentKind.SANCTION_REPORT

    def get_document(self, case):
        return get_object_or_404(
            SanctionReport.objects.select_related("party__organisation", "procedure", "document"),
            case=case,
            pk=self.kwargs["report_pk"],
        )

    def document_context(self, case, report) -> dict:
        return {"report": report}


class HearingView(DeliveredDocumentView):
    """The hearing and its convocation (received at least 15 days ahead, 8 in urgency)."""

    template_name = "outcomes/hearing_detail.html"
    document_kind = DocumentKind.HEARING_CONVOCATION

    def get_document(self, case):
        return get_object_or_404(
            Hearing.objects.select_related("party__organisation", "procedure"), case=case, pk=self.kwargs["hearing_pk"]
        )

    def document_context(self, case, hearing) -> dict:
        return {"hearing": hearing, "notice_days": sanctions.HEARING_NOTICE_DAYS[hearing.procedure.procedure]}


class LiquidationView(DeliveredDocumentView):
    """A periodic penalty's liquidation: its notice delivered, 15 days for observations, the amount due."""

    template_name = "outcomes/liquidation_detail.html"
    document_kind = DocumentKind.LIQUIDATION_NOTICE

    def get_document(self, case):
        return get_object_or_404(
            Liquidation.objects.select_related("party__organisation", "decision"),
            case=case,
            pk=self.kwargs["liquidation_pk"],
        )

    def document_context(self, case, liquidation) -> dict:
        return {"liquidation": liquidation}

    def action_forms(self, case, liquidation) -> dict:
        return super().action_forms(case, liquidation) | {
            "observations_form": LiquidationObservationsForm(),
            "liquidation_decision_form": LiquidationDecisionForm(),
        }

    def action(self, name, case, liquidation):
        request, ip = self.request, client_ip(self.request)
        if name == "observations":
            return (
                LiquidationObservationsForm(request.POST),
                "observations_form",
                lambda data: appeals.liquidation_observations_record(
                    actor=request.user, liquidation=liquidation, ip=ip, **data
                ),
            )
        if name == "decide":
            return (
                LiquidationDecisionForm(request.POST),
                "liquidation_decision_form",
                lambda data: appeals.liquidation_decide(actor=request.user, liquidation=liquidation, ip=ip, **data),
            )
        return super().action(name, case, liquidation)
