"""Import every model, so that metadata (and Alembic) sees all tables."""

from portal.accounts.models import User  # noqa: F401
from portal.aggregates.cells import MoneyCell  # noqa: F401
from portal.aggregates.summary import MoneySummary  # noqa: F401
from portal.alignment.models import (  # noqa: F401
    Alignment,
    AlignmentPriority,
    FigureComment,
    GovernmentFigure,
    Notification,
    WorkflowTransition,
)
from portal.analysis.models import SavedQuestion  # noqa: F401
from portal.api.models import ApiToken  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.budget.models import BudgetNode, ProjectBudget, ProjectBudgetLine  # noqa: F401
from portal.changes import DataVersion  # noqa: F401
from portal.commitments.models import (  # noqa: F401
    Bottleneck,
    Commitment,
    CommitmentParty,
    EvidenceFile,
    ProgressReport,
    RatingAssessment,
    TrajectoryPoint,
)
from portal.iati.models import IatiAmount, IatiRecord, ImportBatch  # noqa: F401
from portal.loans.models import LoanTerms  # noqa: F401
from portal.mail.models import OutboxMessage  # noqa: F401
from portal.mapping.models import ProvincePopulation  # noqa: F401
from portal.money.models import Currency, ExchangeRate  # noqa: F401
from portal.organizations.models import Organization  # noqa: F401
from portal.pilots.models import (  # noqa: F401
    Dissemination,
    Lesson,
    Pilot,
    PilotPartner,
    PilotPriority,
    PilotProject,
    PilotStageChange,
)
from portal.projects.models import (  # noqa: F401
    Project,
    ProjectChange,
    ProjectDocument,
    ProjectFunding,
    ProjectLocation,
    ProjectParticipant,
    ProjectSector,
)
from portal.projects.sources import FundingSource, SourceFunding  # noqa: F401
from portal.projects.tally import ProjectTally  # noqa: F401
from portal.reference.models import (  # noqa: F401
    Commune,
    District,
    Province,
    Sector,
    SectorCategory,
    TechnicalWorkingGroup,
)
from portal.reports.models import IssuedReport, ReportJob  # noqa: F401
from portal.results.models import (  # noqa: F401
    IndicatorPeriod,
    IndicatorPriority,
    ProjectResult,
    ResultIndicator,
)
from portal.rounds.models import (  # noqa: F401
    ReportingRound,
    RoundEvent,
    RoundProjectUpdate,
    RoundReturn,
    RoundSnapshotFunding,
    RoundSnapshotProject,
)
from portal.settings import Setting  # noqa: F401
from portal.strategy.models import StrategyFramework, StrategyNode  # noqa: F401
from portal.throttle import Throttle  # noqa: F401
