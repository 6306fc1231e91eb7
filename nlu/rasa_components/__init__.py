"""Components Tend adds to the Rasa pipeline. They run inside the Rasa environment only."""
