from quiz.models.content import Choice, Fact, Question, Source, Topic, missing_languages

__all__ = ["Choice", "Fact", "Question", "Source", "Topic", "missing_languages"]
