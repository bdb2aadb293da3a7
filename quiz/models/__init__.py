from quiz.models.accounts import SessionCutoff
from quiz.models.content import (
    Choice,
    ContentVersion,
    Fact,
    LoadedKey,
    Provenance,
    Question,
    Source,
    Topic,
    Translated,
    missing_languages,
    translated_fields,
)
from quiz.models.fitting import ParameterSet
from quiz.models.quizzes import QUIZ_LENGTH, QuizAnswer, QuizAttempt
from quiz.models.study import CardState, Learner, ReviewLog, new_questions_for

__all__ = [
    "CardState",
    "Choice",
    "ContentVersion",
    "Fact",
    "Learner",
    "LoadedKey",
    "ParameterSet",
    "Provenance",
    "QUIZ_LENGTH",
    "Question",
    "QuizAnswer",
    "QuizAttempt",
    "ReviewLog",
    "SessionCutoff",
    "Source",
    "Topic",
    "Translated",
    "missing_languages",
    "translated_fields",
    "new_questions_for",
]
