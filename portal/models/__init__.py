"""Database models. Import from here: `from portal.models import Case, Unit, ...`."""
from portal.models.administration import AuditEntry
from portal.models.case import Case, CaseEvent, CasePhoto, DailyCaseCount, DailyCounter
from portal.models.governance import (
                                     GovernanceLink,
                                     GovernanceTask,
                                     HotspotScanRun,
                                     HotspotSettings,
                                     HotspotWarning,
                                     MonthlyTopic,
                                     TopicTask,
)
from portal.models.handling import (
                                     CalendarDay,
                                     CalendarYear,
                                     CaseUnit,
                                     ContactView,
                                     ExtensionRequest,
                                     OutboxMessage,
                                     ReturnRequest,
                                     RoutingRule,
)
from portal.models.integration import ApiKey, FormSubmission
from portal.models.knowledge import (
                                     KnowledgeArticle,
                                     KnowledgeCitation,
                                     KnowledgeDailyCount,
                                     KnowledgeVersion,
                                     ReplyTemplate,
)
from portal.models.org import Category, Platform, Region, Unit
from portal.models.oversight import (
                                     EchoStory,
                                     Interview,
                                     MonitorProfile,
                                     QualityReview,
                                     RankingRow,
                                     RankingSnapshot,
                                     SupervisionOrder,
)
from portal.models.salon import AgendaItem, Participant, Person, Salon, SalonEvent, SalonUnit, Suggestion
from portal.models.user import Role, User

__all__ = [
    "Case", "CaseEvent", "CasePhoto", "DailyCaseCount", "DailyCounter",
    "Category", "Platform", "Region", "Unit",
    "Role", "User",
    "CalendarDay", "CalendarYear", "CaseUnit", "ContactView", "ExtensionRequest", "OutboxMessage",
    "ReturnRequest", "RoutingRule",
    "ApiKey", "FormSubmission", "EchoStory", "Interview", "MonitorProfile", "QualityReview", "RankingRow", "RankingSnapshot",
    "SupervisionOrder", "AgendaItem", "Participant", "Person", "Salon", "SalonEvent", "SalonUnit", "Suggestion",
    "AuditEntry", "KnowledgeArticle", "KnowledgeCitation", "KnowledgeDailyCount", "KnowledgeVersion",
    "ReplyTemplate",
    "GovernanceLink", "GovernanceTask", "HotspotScanRun", "HotspotSettings", "HotspotWarning", "MonthlyTopic", "TopicTask",
]
