name = 'board'
tmpl = t'hello {name}!'
print(tmpl.strings)
print([i.value for i in tmpl.interpolations])
