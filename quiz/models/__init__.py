from quiz.models.content import Choice, Fact, Question, Source, Topic, missing_languages
from quiz.models.study import CardState, Learner, ReviewLog, new_questions_for

__all__ = [
    "CardState",
    "Choice",
    "Fact",
    "Learner",
    "Question",
    "ReviewLog",
    "Source",
    "Topic",
    "missing_languages",
    "new_questions_for",
]
