"""End-to-end tests: the bundled example through every piece (inventory, render, plan and
apply over AMI, the rendered dialplan, the FastAGI server, AstDB), checking they agree."""
