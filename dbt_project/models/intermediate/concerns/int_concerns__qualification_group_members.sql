-- Which groups each place of first qualification counts towards (inputs.md, concerns
-- cases): international medical graduates (IMG) are EEA and Outside EEA, so those two count
-- twice, towards their own group and towards IMG. UK and Unknown are their own group only.
with

memberships (place_of_first_qualification, group_name) as (

    values
        ('UK', 'UK'),
        ('EEA', 'EEA'),
        ('EEA', 'IMG'),
        ('Outside EEA', 'Outside EEA'),
        ('Outside EEA', 'IMG'),
        ('Unknown', 'Unknown')

),

qualification_group_members as (

    select
        place_of_first_qualification::varchar as place_of_first_qualification,
        group_name::varchar as group_name
    from memberships

)

select * from qualification_group_members
