"""The review page: a Streamlit app over the results history (`noteproof review`)."""
