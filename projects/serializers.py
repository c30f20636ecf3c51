"""API shapes of projects and supervision groups (read-only: they are kept in the admin)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import DepartmentRefSerializer, UserRefSerializer
from projects.models import FactorGuarantee, GroupMembership, ProcedureStage, Project, SupervisionGroup


class ProcedureStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureStage
        fields = ["id", "kind", "name", "status", "started_on", "finished_on", "blocked_since", "blockage_note"]


class FactorGuaranteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FactorGuarantee
        fields = ["id", "factor", "status", "note", "updated_on"]


class ProjectSerializer(serializers.ModelSerializer):
    enterprise = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "short_name",
            "county",
            "enterprise",
            "investment",
            "expected_annual_output",
            "expected_jobs",
            "land_area_mu",
            "stage",
            "description",
            "is_archived",
            "created_at",
        ]


class ProjectDetailSerializer(ProjectSerializer):
    stages = ProcedureStageSerializer(many=True, read_only=True)
    factors = FactorGuaranteeSerializer(many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "stages", "factors"]


class MembershipSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["user", "role", "joined_on"]


class GroupSerializer(serializers.ModelSerializer):
    projects: serializers.PrimaryKeyRelatedField[Project] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    memberships = MembershipSerializer(many=True, read_only=True)
    partners = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionGroup
        fields = ["id", "name", "description", "formed_on", "is_active", "projects", "memberships", "partners"]

    def get_partners(self, group) -> list[str]:
        return [partner.department.name for partner in group.partners.all()]
